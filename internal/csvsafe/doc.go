// Package csvsafe neutralises CSV cells that a spreadsheet would read as
// a formula (CSV or "formula" injection): every CSV writer in deadbolt
// passes its rows through Row. CSV exports are for spreadsheets; exact
// values stay in the JSON/JSONL exports.
package csvsafe
