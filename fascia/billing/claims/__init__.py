"""Claims: service lines from signed notes, and the services that build, check, move and export them."""
