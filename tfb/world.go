package tfb

import "math/rand/v2"

// Sizes the TechEmpower rules fix.
const (
	// WorldRows is the number of rows of the World table; ids are
	// 1..WorldRows and every randomNumber is in 1..WorldRows too.
	WorldRows = 10000
	// MaxQueries bounds the N of /queries, /updates and /cached-queries.
	MaxQueries = 500
)

// World is a row of the World table.
type World struct {
	ID           int32 `json:"id"`
	RandomNumber int32 `json:"randomNumber"`
}

// Fortune is a row of the Fortune table.
type Fortune struct {
	ID      int32  `json:"id"`
	Message string `json:"message"`
}

// ExtraFortune is the fortune /fortunes adds at request time, as the rules
// require; it is never stored.
var ExtraFortune = Fortune{ID: 0, Message: "Additional fortune added at request time."}

// SeedFortunes are the rows of the Fortune table as TechEmpower seeds it
// (testdata/tfb/schema.sql holds the same rows). The <script> row tests
// escaping and the Japanese one the character encoding.
func SeedFortunes() []Fortune {
	return []Fortune{
		{1, "fortune: No such file or directory"},
		{2, "A computer scientist is someone who fixes things that aren't broken."},
		{3, "After enough decimal places, nobody gives a damn."},
		{4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"},
		{5, "A computer program does what you tell it to do, not what you want it to do."},
		{6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"},
		{7, "Any program that runs right is obsolete."},
		{8, "A list is only as strong as its weakest link. — Donald Knuth"},
		{9, "Feature: A bug with seniority."},
		{10, "Computers make very fast, very accurate mistakes."},
		{11, `<script>alert("This should not be displayed in a browser alert box.");</script>`},
		{12, "フレームワークのベンチマーク"},
	}
}

// RandomID returns a World id, uniform in 1..WorldRows.
func RandomID() int32 { return rand.Int32N(WorldRows) + 1 }

// RandomNumber returns a randomNumber, uniform in 1..WorldRows.
func RandomNumber() int32 { return rand.Int32N(WorldRows) + 1 }

// randomIDs fills ids with random World ids; with distinct set no id
// repeats (len(ids) must then be at most WorldRows).
func randomIDs(ids []int32, distinct bool) {
	if !distinct {
		for i := range ids {
			ids[i] = RandomID()
		}
		return
	}
	var seen [WorldRows/64 + 1]uint64 // 1.25 KiB on the stack
	for i := range ids {
		id := RandomID()
		for seen[id/64]&(1<<(id%64)) != 0 {
			id = RandomID() // at most 500 of 10,000: few redraws
		}
		seen[id/64] |= 1 << (id % 64)
		ids[i] = id
	}
}
