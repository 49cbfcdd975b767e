-- Visits become a function of the events (footfall/visits.py): the data step of this
-- migration re-splits every stored visitor's events once and gives each visit the id
-- the rule gives it. Events' entry_page is no longer written (the visits table has it).
SELECT 1;
