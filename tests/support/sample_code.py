"""Small, real Python files for fixture workspaces (chat and editor end-to-end tests)."""

CALC = '''"""Arithmetic helpers."""


def add(a, b):
    return a + b


def divide(a, b):
    if b == 0:
        raise ZeroDivisionError("b must not be zero")
    return a / b
'''

GEOMETRY = '''"""Shapes."""

import math


def circle_area(radius):
    return math.pi * radius * radius
'''
