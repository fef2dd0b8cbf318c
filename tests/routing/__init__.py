"""Tests of fastg4f.routing."""
