"""What the fake received: the journal and its typed records."""
