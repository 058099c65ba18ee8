-- 0007: the code line states the worklist and billing issues add
-- (fhir-mapping.md §7): approved (a provider signed the line off, issue 14)
-- and exported (a billing batch carried it, issue 15). code_line_states is a
-- lookup table, so widening it is an insert on both databases.
INSERT INTO code_line_states (state) VALUES ('approved'), ('exported');
