-- rater team store, version 3: a decision is written in one round trip. rater_decide runs
-- the insert (idempotent by the client's id) and fills the rater's slot inside the call,
-- as the caller (SECURITY INVOKER: row-level security applies exactly as to the statements
-- it runs), in the caller's transaction. Before it, a decision took four round trips
-- (BEGIN, INSERT, UPDATE, COMMIT).

CREATE FUNCTION rater_decide(
    p_project integer, p_decision text, p_rater text, p_a text, p_b text,
    p_recheck boolean, p_broken boolean, p_records jsonb
) RETURNS boolean
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    v_pair integer;
BEGIN
    INSERT INTO decisions (project, decision, rater, a, b, pair, recheck, records)
    VALUES (
        p_project, p_decision, p_rater, p_a, p_b,
        (SELECT pair FROM pairs
         WHERE project = p_project AND least(a, b) = least(p_a, p_b)
           AND greatest(a, b) = greatest(p_a, p_b)),
        p_recheck, p_records)
    ON CONFLICT (project, decision) DO NOTHING
    RETURNING pair INTO v_pair;
    IF NOT FOUND THEN
        RETURN false;  -- this id was written before: a retry, a replayed spool
    END IF;
    IF v_pair IS NULL OR p_recheck THEN
        RETURN true;  -- a pair outside the schedule (an import), or a hidden re-check
    END IF;
    -- the rater's own slot, else a free or expired one (a spooled decision whose lease ran
    -- out meanwhile); none left means the pair already has its K raters: kept all the same
    UPDATE slots s SET decision = p_decision, rater = p_rater, expires = NULL
    WHERE (s.project, s.pair, s.slot) = (
        SELECT o.project, o.pair, o.slot FROM slots o
        WHERE o.project = p_project AND o.pair = v_pair AND o.decision IS NULL
          AND (o.rater = p_rater OR o.rater IS NULL OR o.expires < now())
          AND NOT EXISTS (
              SELECT FROM slots m WHERE m.project = p_project AND m.pair = v_pair
                AND m.rater = p_rater AND m.decision IS NOT NULL)
        ORDER BY o.rater = p_rater DESC NULLS LAST, o.slot
        LIMIT 1
        FOR UPDATE);
    IF p_broken THEN
        -- a pair with a broken sample needs no K raters: its automatic record decides
        -- every slot nobody else holds, so nobody is shown it again
        UPDATE slots SET decision = p_decision, rater = NULL, expires = NULL
        WHERE project = p_project AND pair = v_pair AND decision IS NULL
          AND (rater IS NULL OR expires < now());
    END IF;
    RETURN true;
END
$$;

GRANT EXECUTE ON FUNCTION rater_decide(integer, text, text, text, text, boolean, boolean, jsonb)
    TO rater_team, rater_admin;
