-- Footfall on PostgreSQL, version 12: rollups under a page goal (docs/backends.md,
-- "Filtered rollups"). Rows under fdim 'page_goal', fvalue the goal's page_path (its
-- pattern): the visits holding a matching pageview, and the matching pageviews.
-- rollup_days.page_goals: the patterns whose rows the day holds (the site's page goals
-- when it was rolled up). A day is due again when the site's page goals differ from
-- them; meanwhile a page goal the day does not hold is read from events and visits.

ALTER TABLE rollup_days ADD COLUMN page_goals text[] NOT NULL DEFAULT '{}';
