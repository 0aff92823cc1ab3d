"""The Displays: one figure kind a module, sharing what finds a model's history and names."""
