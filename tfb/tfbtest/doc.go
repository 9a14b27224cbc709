// Package tfbtest helps test the TechEmpower application: a Store that
// counts what it is asked, the checks every Store must pass, and the
// TechEmpower verification rules run against a live server. It is for
// tests only, and imports no database driver, so that the bench module's
// peers can use it too; tfb/pgstore/pgtest adds PostgreSQL.
package tfbtest
