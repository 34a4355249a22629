"""Runs rules over sheets and domain lists: one sheet, batches, worker processes."""
