"""The selector: its screens, their shared statistics, minimal's choice and one orchestrator."""
