"""Heap search: every program of a PCFG in exact non-increasing probability, no duplicates.

Each nonterminal keeps a heap of its programs and a successor map; asking for the program
after ``t`` in nonterminal ``S`` pops ``t`` and pushes the programs that replace one child
of ``t`` by that child's successor. Programs are interned term ids and nonterminals are
numbered, so the inner loop touches only small ints, tuples and lists.

References:
    Fijalkow, Lagarde, Matricon, Ellis, Ohlmann, Potta, "Scaling Neural Program Synthesis
    with Distribution-based Search", AAAI 2022 (heap search, section 4).
"""

from __future__ import annotations

import heapq
import math
import struct
from collections.abc import Callable, Iterator

from synth._grammar import PCFG, NonTerminal
from synth._terms import TermStore

_UNSEEN = -1  # no successor computed yet (term ids are >= 0)

# A heap entry is one int: the program's -log-probability as an unsigned int in the same
# order as the floats, then its term id in the low 32 bits, so that ties go to the program
# interned first. Ints compare about twice as fast as (float, id) tuples, and popping from a
# heap of a million programs is the costliest step of the search. The IEEE 754 bits of a
# float >= 0 are in float order; with the sign bit set they sort above those of every
# negative float, whose bits are inverted to reverse their order (a -log-probability is
# below zero only for a PCFG whose log-probabilities are not all <= 0, as a network's
# rounding can give: the order stays exact there too).
_BITS = struct.Struct("<d").pack
_FROM_BYTES = int.from_bytes
_SIGN = 1 << 63
_ALL = (1 << 64) - 1
_ID_BITS = 32
_ID = (1 << _ID_BITS) - 1


def _entry(total: float, tid: int) -> int:
    """The heap entry of term ``tid`` with log-probability ``total``."""
    x = 0.0 - total
    b = _FROM_BYTES(_BITS(x), "little")
    return (((b | _SIGN) if x >= 0.0 else (b ^ _ALL)) << _ID_BITS) | tid


class HeapSearch:
    """Enumerate the programs of ``pcfg`` from most to least likely.

    Iterating yields ``(term_id, log_probability)`` pairs for the start nonterminal; the
    terms live in ``store``. Rules of probability zero are never used. ``pushed`` counts
    the programs put on any heap (the work done, subprograms included).
    """

    def __init__(self, pcfg: PCFG, store: TermStore) -> None:
        self.pcfg = pcfg
        self.store = store
        grammar = pcfg.grammar
        self.index: dict[NonTerminal, int] = {nt: i for i, nt in enumerate(grammar.rules)}
        # per nonterminal: its rules as (rule id in the store, log-probability, children)
        self._rules: list[list[tuple[int, float, tuple[int, ...]]]] = []
        for nt, rules in grammar.rules.items():
            self._rules.append(
                [
                    (
                        store.rule_id(r.production, nt.env),
                        lp,
                        tuple(self.index[c] for c in r.children),
                    )
                    for r, lp in zip(rules, pcfg.logprobs[nt], strict=True)
                    if lp > -math.inf
                ]
            )
        n = len(self._rules)
        self._heap: list[list[int] | None] = [None] * n  # entries: see _entry
        self._info: list[dict[int, tuple[float, int]]] = [{} for _ in range(n)]  # lp, rule
        self._succ: list[dict[int, int | None]] = [{} for _ in range(n)]
        self.start = self.index[grammar.start]

    def _init(self, s: int) -> list[int]:
        heap: list[int] = []
        self._heap[s] = heap
        info = self._info[s]
        for r, (rid, lp, children) in enumerate(self._rules[s]):
            kids = []
            total = lp
            for c in children:
                best = self._best(c)
                if best is None:
                    break
                kids.append(best)
                total += self._info[c][best][0]
            else:
                tid = self.store.intern(rid, tuple(kids))
                info[tid] = (total, r)
                heap.append(_entry(total, tid))
        heapq.heapify(heap)
        return heap

    def _best(self, s: int) -> int | None:
        heap = self._heap[s]
        if heap is None:
            heap = self._init(s)
        return heap[0] & _ID if heap else None

    def release(self) -> None:
        """Drop the heaps, once the search is over (see :meth:`TermStore.release`)."""
        self._heap.clear()
        self._info.clear()
        self._succ.clear()

    @property
    def pushed(self) -> int:
        """Programs put on any heap so far (each is recorded once in its heap's table)."""
        return sum(len(info) for info in self._info)

    def _successor(self) -> Callable[[int, int], int | None]:
        """The function ``next(s, tid)``: the program after ``tid`` in nonterminal ``s``
        (``tid`` was produced there). A closure over the search's tables, which it reads as
        local names: it runs a few times per program enumerated."""
        heaps = self._heap
        infos = self._info
        succs = self._succ
        rules = self._rules
        all_kids = self.store.kids  # grows in place as terms are interned
        intern = self.store.intern
        bits = _BITS
        from_bytes = _FROM_BYTES
        heapreplace = heapq.heapreplace
        heappush = heapq.heappush
        heappop = heapq.heappop
        unseen = _UNSEEN

        def successor(s: int, tid: int) -> int | None:
            succ = succs[s]
            top = succ.get(tid, unseen)
            if top != unseen:
                return top
            heap = heaps[s]
            assert heap is not None
            info = infos[s]
            lp, r = info[tid]
            rid, _, children = rules[s][r]
            kids = all_kids[tid]
            replaced = False
            for j, c in enumerate(children):
                kid = kids[j]
                # most children have their successor already: look it up without a call
                nxt = succs[c].get(kid, unseen)
                if nxt == unseen:
                    nxt = successor(c, kid)
                if nxt is None:
                    continue
                arity = len(kids)
                if arity == 1:
                    new = intern(rid, (nxt,))
                elif arity == 2:  # the commonest case, in one tuple
                    new = intern(rid, (nxt, kids[1]) if j == 0 else (kids[0], nxt))
                else:
                    new = intern(rid, kids[:j] + (nxt,) + kids[j + 1 :])
                if new in info:
                    continue
                child_info = infos[c]
                # swap one child's log-probability for its successor's
                total = lp - child_info[kid][0] + child_info[nxt][0]
                info[new] = (total, r)
                # _entry, written in place; tid is the top (the most recent program of s):
                # the first new program takes its place in one sift, not a pop and a push
                x = 0.0 - total
                b = from_bytes(bits(x), "little")
                entry = (((b | _SIGN) if x >= 0.0 else (b ^ _ALL)) << _ID_BITS) | new
                if replaced:
                    heappush(heap, entry)
                else:
                    heapreplace(heap, entry)
                    replaced = True
            if not replaced:
                heappop(heap)
            top = heap[0] & _ID if heap else None
            succ[tid] = top
            return top

        return successor

    def __iter__(self) -> Iterator[tuple[int, float]]:
        start = self.start
        successor = self._successor()
        tid = self._best(start)
        info = self._info[start]
        while tid is not None:
            yield tid, info[tid][0]
            tid = successor(start, tid)
