"""``vendor-sandbox drift``: send one corpus to a real vendor and to the emulator, report where they disagree.

Every mock drifts from the system it copies; this package finds out where, answer by answer:

- :mod:`~sandbox.drift.model`: cases, requests and answers (plain data);
- :mod:`~sandbox.drift.draw`: seeded Hypothesis draws, so a corpus can be rebuilt exactly;
- :mod:`~sandbox.drift.corpus`: each vendor's cases (contracts' valid values, every named mutation, the
  boundaries of each time rule) and the user's own ``--cases`` file;
- :mod:`~sandbox.drift.normalise`: what legitimately differs (ids, tokens, times, hosts), per vendor;
- :mod:`~sandbox.drift.sides`: the upstream (HTTP, paced) and the emulator (in process, throw-away state);
- :mod:`~sandbox.drift.compare` and :mod:`~sandbox.drift.runner`: one case on both sides, then the differences;
- :mod:`~sandbox.drift.recording`: ``--record`` / ``--against``;
- :mod:`~sandbox.drift.report`: the text summary, JUnit and a self-contained HTML page.
"""
