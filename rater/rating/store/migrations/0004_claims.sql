-- rater team store, version 4: pairs chosen as the rating goes (`active`, `model`). Such a
-- project has no schedule made up front: a rater's client picks the next pair from the
-- shared state of every rater's decisions and claims it. rater_claim makes the pair (and
-- its `overlap` slots) the first time anyone claims it, then leases one of its slots to
-- the rater under the same rules as the lease query; NULL when none is left for them.

GRANT INSERT ON pairs, slots TO rater_team;
CREATE POLICY add_open ON slots FOR INSERT TO rater_team
    WITH CHECK (rater IS NULL AND decision IS NULL);

CREATE FUNCTION rater_claim(
    p_project integer, p_a text, p_b text, p_rater text, p_seconds double precision
) RETURNS TABLE (pair integer, slot smallint, expires timestamptz)
LANGUAGE plpgsql SECURITY INVOKER AS $$
#variable_conflict use_column
DECLARE
    v_pair integer;
    v_overlap integer;
BEGIN
    FOR attempt IN 1..20 LOOP
        SELECT p.pair INTO v_pair FROM pairs p
        WHERE p.project = p_project AND least(p.a, p.b) = least(p_a, p_b)
          AND greatest(p.a, p.b) = greatest(p_a, p_b);
        EXIT WHEN FOUND;
        -- a new pair: the next number; two raters making pairs at once may collide on the
        -- number (or on the pair itself), and the loop looks again
        INSERT INTO pairs (project, pair, a, b)
        SELECT p_project, coalesce(max(q.pair), 0) + 1, p_a, p_b FROM pairs q
        WHERE q.project = p_project
        ON CONFLICT DO NOTHING
        RETURNING pairs.pair INTO v_pair;
        IF v_pair IS NOT NULL THEN
            SELECT overlap INTO v_overlap FROM projects WHERE id = p_project;
            INSERT INTO slots (project, pair, slot)
            SELECT p_project, v_pair, k FROM generate_series(0, v_overlap - 1) k;
            EXIT;
        END IF;
    END LOOP;
    IF v_pair IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    UPDATE slots s
    SET rater = p_rater, expires = now() + make_interval(secs => p_seconds)
    WHERE (s.project, s.pair, s.slot) = (
        SELECT o.project, o.pair, o.slot FROM slots o
        WHERE o.project = p_project AND o.pair = v_pair AND o.decision IS NULL
          AND (o.rater IS NULL OR o.expires < now() OR o.rater = p_rater)
          AND NOT EXISTS (
              SELECT FROM slots m WHERE m.project = p_project AND m.pair = v_pair
                AND m.slot <> o.slot AND m.rater = p_rater)
        ORDER BY o.slot
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
    RETURNING s.pair, s.slot, s.expires;
END
$$;

GRANT EXECUTE ON FUNCTION rater_claim(integer, text, text, text, double precision)
    TO rater_team, rater_admin;
