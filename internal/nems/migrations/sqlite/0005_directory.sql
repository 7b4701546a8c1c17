-- the patient and area directory, and which seed it was last
-- replaced with.
CREATE TABLE patients (
	nhs_number TEXT PRIMARY KEY,
	gp         TEXT NOT NULL DEFAULT '',
	postcode   TEXT NOT NULL DEFAULT '',
	flags      TEXT NOT NULL DEFAULT ''
);
CREATE TABLE postcode_areas (
	postcode        TEXT PRIMARY KEY,
	local_authority TEXT NOT NULL DEFAULT '',
	icb_sub_location TEXT NOT NULL DEFAULT '',
	country         TEXT NOT NULL DEFAULT ''
);
CREATE TABLE practices (
	code             TEXT PRIMARY KEY,
	icb_sub_location TEXT NOT NULL DEFAULT ''
);
CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
