"""Reading what a network learned: importance tables, comparisons of settings, the Displays."""
