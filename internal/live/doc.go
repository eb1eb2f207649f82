// Package live carries "something changed for this member" from the code
// that changes it to the portal's open server-sent-event streams, inside one
// process. A message carries no data: a listener re-reads what it shows
// from the store, so a missed or merged message costs nothing but a
// moment's delay, and the portal also re-reads on a timer to see changes
// made by other processes and nodes.
package live
