-- rater team store, version 5: one automatic record per pair with a broken sample. Raters
-- who held a slot of such a pair when the first automatic record closed the others judge
-- it broken too; their automatic record is not written again (as `Journal.append
-- (unless_decided=True)` does for a file): their slot takes the first one's decision.
-- rater_decide now says which of the three happened: 1 written, 0 this id was already
-- there (a retry, a replay), 2 the pair already had its automatic record.

ALTER POLICY lease_own ON slots
    USING (rater IS NULL OR rater = current_user OR (decision IS NULL AND expires < now()))
    WITH CHECK (
        (rater = current_user OR rater IS NULL)
        AND (decision IS NULL OR EXISTS (
            SELECT FROM decisions d
            WHERE d.project = slots.project AND d.decision = slots.decision
              AND (d.rater = current_user
                   OR (d.pair = slots.pair AND d.undone IS NULL
                       AND d.records -> 0 ->> 'broken' = '1'))))
    );

DROP FUNCTION rater_decide(integer, text, text, text, text, boolean, boolean, jsonb);

CREATE FUNCTION rater_decide(
    p_project integer, p_decision text, p_rater text, p_a text, p_b text,
    p_recheck boolean, p_broken boolean, p_records jsonb
) RETURNS integer
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    v_pair integer;
    v_prior text;
BEGIN
    IF EXISTS (SELECT FROM decisions WHERE project = p_project AND decision = p_decision) THEN
        RETURN 0;  -- this id was written before: a retry, a replayed spool
    END IF;
    SELECT pair INTO v_pair FROM pairs
    WHERE project = p_project AND least(a, b) = least(p_a, p_b)
      AND greatest(a, b) = greatest(p_a, p_b);
    IF p_broken AND v_pair IS NOT NULL AND NOT p_recheck THEN
        SELECT decision INTO v_prior FROM decisions
        WHERE project = p_project AND pair = v_pair AND undone IS NULL
          AND records -> 0 ->> 'broken' = '1'
        ORDER BY seq LIMIT 1;
        IF FOUND THEN
            UPDATE slots SET decision = v_prior, rater = NULL, expires = NULL
            WHERE project = p_project AND pair = v_pair AND decision IS NULL
              AND (rater = p_rater OR rater IS NULL OR expires < now());
            RETURN 2;
        END IF;
    END IF;
    INSERT INTO decisions (project, decision, rater, a, b, pair, recheck, records)
    VALUES (p_project, p_decision, p_rater, p_a, p_b, v_pair, p_recheck, p_records)
    ON CONFLICT (project, decision) DO NOTHING;
    IF NOT FOUND THEN
        RETURN 0;  -- written meanwhile by a concurrent retry of the same id
    END IF;
    IF v_pair IS NULL OR p_recheck THEN
        RETURN 1;  -- a pair outside the schedule (an import), or a hidden re-check
    END IF;
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
        UPDATE slots SET decision = p_decision, rater = NULL, expires = NULL
        WHERE project = p_project AND pair = v_pair AND decision IS NULL
          AND (rater IS NULL OR expires < now());
    END IF;
    RETURN 1;
END
$$;

GRANT EXECUTE ON FUNCTION rater_decide(integer, text, text, text, text, boolean, boolean, jsonb)
    TO rater_team, rater_admin;
