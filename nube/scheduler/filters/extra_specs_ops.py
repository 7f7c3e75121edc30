"""Match a host's value against a flavor extra spec's requirement.

A requirement whose first word is an operator compares; any other is an
exact string match:

  =  value >= number (numbers: "= 4" passes 4, 8)
  == != >= <=          numeric comparisons
  s== s!= s< s<= s> s>=  string comparisons
  <in> word            the word is a substring of the value
  <all-in> w1 w2 ...   every word is in the value (a substring each)
  <or> a <or> b ...    the value equals one of the words

A value that does not parse as a number for a numeric operator fails
the match (it never raises). Requirements are parsed once and cached,
since one flavor's few specs are matched against thousands of hosts.
"""

import functools
import operator


def _number(value):
    return float(value)


def _numeric(compare):
    def check(value, wanted):
        try:
            return compare(_number(value), _number(wanted))
        except (TypeError, ValueError):
            return False
    return check


def _string(compare):
    def check(value, wanted):
        return compare(str(value), wanted)
    return check


_OPS = {
    '=': _numeric(operator.ge),
    '==': _numeric(operator.eq),
    '!=': _numeric(operator.ne),
    '>=': _numeric(operator.ge),
    '<=': _numeric(operator.le),
    's==': _string(operator.eq),
    's!=': _string(operator.ne),
    's<': _string(operator.lt),
    's<=': _string(operator.le),
    's>': _string(operator.gt),
    's>=': _string(operator.ge),
    '<in>': lambda value, wanted: wanted in str(value),
}


def _never(value):
    return False


@functools.lru_cache(maxsize=1024)
def matcher(requirement):
    """A one-argument predicate over host values for ``requirement``."""
    words = requirement.split()
    op = words[0] if words else None
    if op == '<or>':
        # '<or> a <or> b': the words in the even places after the first.
        choices = frozenset(words[1::2])
        return lambda value: value is not None and value in choices
    if op == '<all-in>':
        wanted = tuple(words[1:])
        if not wanted:
            return _never
        return lambda value: value is not None and all(
            w in str(value) for w in wanted)
    method = _OPS.get(op)
    if method is None:
        return lambda value: value == requirement
    if len(words) < 2:
        return _never
    wanted = words[1]
    return lambda value: value is not None and method(value, wanted)


def match(value, requirement):
    """Whether a host's ``value`` meets ``requirement``."""
    return matcher(requirement)(value)
