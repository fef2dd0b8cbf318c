"""Tests of fastg4f.client."""
