"""Tests of fastg4f.cli."""
