"""Checking the fake against the real API: live runs, cassettes and their offline replay."""
