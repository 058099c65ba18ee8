-- 0010: a counter of the recordings (issue 14). Every transaction that
-- records evaluations adds one to n, so a reader that cached something
-- derived from patients, evaluations and code lines (the worklist's ranking
-- of a month) knows, with one read of one row, whether it is still current.
CREATE TABLE store_generation (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  BIGINT NOT NULL
);
INSERT INTO store_generation (id, n) VALUES (1, 0);
