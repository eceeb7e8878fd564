"""What support needs to act: what happened and what to do, likely address typos, handled notes."""
