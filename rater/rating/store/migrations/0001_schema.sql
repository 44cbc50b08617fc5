-- rater team store, version 1: projects, their samples and pairs, the slots that hand
-- each pair to `overlap` distinct raters, and the decisions (the journal's records).

CREATE TABLE projects (
    id            serial PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    pairing       text NOT NULL DEFAULT 'halves',
    seed          integer NOT NULL DEFAULT 0,
    kind          text NOT NULL DEFAULT 'abc',
    overlap       integer NOT NULL DEFAULT 1 CHECK (overlap BETWEEN 1 AND 100),
    lease_seconds double precision NOT NULL DEFAULT 600 CHECK (lease_seconds > 0),
    created       timestamptz NOT NULL DEFAULT now()
);

-- A sample by its content id (core.corpus.sample_id), with its file and 1-based number.
CREATE TABLE samples (
    project integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    id      text NOT NULL,
    text    text NOT NULL,
    source  text NOT NULL,
    number  integer NOT NULL,
    title   text NOT NULL DEFAULT '',
    kind    text NOT NULL DEFAULT 'abc',
    PRIMARY KEY (project, id)
);

-- The project's schedule: pair n is shown n-th (the order the strategy chose).
CREATE TABLE pairs (
    project integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    pair    integer NOT NULL,
    a       text NOT NULL,
    b       text NOT NULL,
    query   text NOT NULL DEFAULT '',
    swapped boolean NOT NULL DEFAULT false,
    PRIMARY KEY (project, pair),
    FOREIGN KEY (project, a) REFERENCES samples (project, id),
    FOREIGN KEY (project, b) REFERENCES samples (project, id)
);
CREATE UNIQUE INDEX pairs_by_ids ON pairs (project, least(a, b), greatest(a, b));

-- One row per (pair, k < overlap): free (rater NULL), leased (rater, expires) or decided
-- (decision). A lease past `expires` is free again.
CREATE TABLE slots (
    project  integer NOT NULL,
    pair     integer NOT NULL,
    slot     smallint NOT NULL,
    rater    text,
    expires  timestamptz,
    decision text,
    PRIMARY KEY (project, pair, slot),
    FOREIGN KEY (project, pair) REFERENCES pairs (project, pair) ON DELETE CASCADE
);
-- The lease query walks this in pair order; decided slots leave it.
CREATE INDEX slots_open ON slots (project, pair, slot) WHERE decision IS NULL;
-- A rater holds at most one slot of a pair: nobody decides a pair twice. Rater first: the
-- lease query looks up "does this rater hold another slot of this pair" here.
CREATE UNIQUE INDEX slots_one_per_rater ON slots (project, rater, pair);

-- One decision = the journal lines it wrote (a tie is two), keyed by the id the client
-- made, so a retried insert is a no-op. Undo marks it `undone` (kept: a replay of the same
-- id later must not bring it back).
CREATE TABLE decisions (
    project  integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    decision text NOT NULL,
    seq      bigserial NOT NULL,
    rater    text NOT NULL,
    a        text NOT NULL,
    b        text NOT NULL,
    pair     integer,
    recheck  boolean NOT NULL DEFAULT false,
    records  jsonb NOT NULL,
    written  timestamptz NOT NULL DEFAULT now(),
    undone   timestamptz,
    PRIMARY KEY (project, decision),
    CHECK (jsonb_typeof(records) = 'array' AND jsonb_array_length(records) BETWEEN 1 AND 2),
    -- every line names the row's rater: the record cannot say someone else decided
    CHECK (NOT jsonb_path_exists(records, '$[*] ? (@.rater != $r)', jsonb_build_object('r', rater)))
);
CREATE INDEX decisions_in_order ON decisions (project, seq);
CREATE INDEX decisions_by_rater ON decisions (project, rater, seq) WHERE undone IS NULL;
