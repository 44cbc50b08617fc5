-- rater team store, version 2: who may do what. Raters (members of rater_team, made by
-- `rater db grant NAME`) read the projects and write, lease and undo only as themselves;
-- admins (members of rater_admin, `rater db grant NAME --admin`) add samples and export.
-- Roles belong to the whole server, so they are made once and reused by every database.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rater_team') THEN
        CREATE ROLE rater_team NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rater_admin') THEN
        CREATE ROLE rater_admin NOLOGIN;
    END IF;
END
$$;

GRANT SELECT ON projects, samples, pairs, slots, decisions, rater_migrations TO rater_team;
GRANT INSERT ON decisions TO rater_team;
GRANT UPDATE (undone) ON decisions TO rater_team;
GRANT UPDATE (rater, expires, decision) ON slots TO rater_team;
GRANT USAGE ON SEQUENCE decisions_seq_seq TO rater_team;

GRANT SELECT, INSERT, UPDATE, DELETE ON projects, samples, pairs, slots, decisions TO rater_admin;
GRANT SELECT ON rater_migrations TO rater_admin;
GRANT USAGE ON SEQUENCE projects_id_seq, decisions_seq_seq TO rater_admin;

ALTER TABLE decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE slots ENABLE ROW LEVEL SECURITY;

CREATE POLICY read_all ON decisions FOR SELECT TO rater_team USING (true);
CREATE POLICY write_own ON decisions FOR INSERT TO rater_team WITH CHECK (rater = current_user);
CREATE POLICY undo_own ON decisions FOR UPDATE TO rater_team
    USING (rater = current_user) WITH CHECK (rater = current_user);
CREATE POLICY admin_all ON decisions TO rater_admin USING (true) WITH CHECK (true);

-- A slot is taken when free, its lease has run out, or it is one's own; what a rater
-- leaves in it is its own name (or none: a lease given back, the other slots of a pair it
-- found broken) and, if decided, one of its own decisions.
CREATE POLICY read_all ON slots FOR SELECT TO rater_team USING (true);
CREATE POLICY lease_own ON slots FOR UPDATE TO rater_team
    USING (rater IS NULL OR rater = current_user OR (decision IS NULL AND expires < now()))
    WITH CHECK (
        (rater = current_user OR rater IS NULL)
        AND (decision IS NULL OR EXISTS (
            SELECT FROM decisions d
            WHERE d.project = slots.project AND d.decision = slots.decision
              AND d.rater = current_user))
    );
CREATE POLICY admin_all ON slots TO rater_admin USING (true) WITH CHECK (true);
