"""Tests of the native module against specs and plain-Python references."""
