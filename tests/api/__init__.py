"""Tests of fastg4f.api."""
