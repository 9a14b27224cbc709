-- The TechEmpower tables for PostgreSQL: World (10,000 rows, each
-- randomNumber in 1..10000) and Fortune (the 12 seeded fortunes; the 13th
-- is added by the server at request time). Names are lower case and
-- unquoted, so they land in the first schema of search_path.
--
-- Safe to apply again: it drops and recreates both tables, which resets
-- every randomNumber. Apply it with
--   psql "$DATABASE_URL" -f testdata/tfb/schema.sql
-- or start the bench server with -db-init testdata/tfb/schema.sql.
SET client_min_messages = warning; -- no notice for the first DROP IF EXISTS

BEGIN;

DROP TABLE IF EXISTS world;
DROP TABLE IF EXISTS fortune;

CREATE TABLE world (
	id           integer NOT NULL PRIMARY KEY,
	randomnumber integer NOT NULL DEFAULT 0
);

-- random() is in [0, 1), so 1 + floor(random() * 10000) is in 1..10000.
INSERT INTO world (id, randomnumber)
SELECT i, 1 + floor(random() * 10000)::integer
FROM generate_series(1, 10000) AS g(i);

CREATE TABLE fortune (
	id      integer NOT NULL PRIMARY KEY,
	message varchar(2048) NOT NULL
);

INSERT INTO fortune (id, message) VALUES
	(1, 'fortune: No such file or directory'),
	(2, 'A computer scientist is someone who fixes things that aren''t broken.'),
	(3, 'After enough decimal places, nobody gives a damn.'),
	(4, 'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1'),
	(5, 'A computer program does what you tell it to do, not what you want it to do.'),
	(6, 'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen'),
	(7, 'Any program that runs right is obsolete.'),
	(8, 'A list is only as strong as its weakest link. — Donald Knuth'),
	(9, 'Feature: A bug with seniority.'),
	(10, 'Computers make very fast, very accurate mistakes.'),
	(11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
	(12, 'フレームワークのベンチマーク');

COMMIT;

ANALYZE world;
ANALYZE fortune;
