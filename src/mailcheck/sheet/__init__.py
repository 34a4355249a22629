"""The implementation sheet: its model, loading and the contract's deadlines."""
