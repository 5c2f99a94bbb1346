"""Fault rules: their options, how they match, what they answer."""
