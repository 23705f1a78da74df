"""Seals, keepers and the seal ledger (用印登记). Built in the seals issue (#4)."""
