"""`make bench`: the portal's speed and memory, each measured against a baseline of its own
stack in the same run, on a ten-year dataset built in a throwaway database. See README.md."""
