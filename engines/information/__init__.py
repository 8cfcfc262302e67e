"""Lecture chapter 4, compression, information, entropy: the Qt-free engines of the
``information`` panel (numpy, scipy, Python's zlib/bz2/lzma).

- :mod:`engines.information.source`: entropy of an editable source, binary entropy, a
  joint table with H(X,Y) ≤ H(X) + H(Y), concavity under mixing.
- :mod:`engines.information.codes`: Fano, Shannon and Huffman codes built step by step,
  ⟨L⟩ against H and H + 1, Kraft's sum, a message encoded and decoded.
- :mod:`engines.information.blocks`: Huffman codes of blocks of n binary symbols,
  ⟨L_n⟩/n between H and H + 1/n, a live stream next to zlib, bz2 and lzma.
- :mod:`engines.information.text_models`: letter models of order 0 … 5 and word models,
  generated text at a temperature, bits per character on held-out text, a real arithmetic
  coder.
- :mod:`engines.information.continuous`: differential entropy, discretisation, change of
  variables in 1-d and 2-d.
Shared: :mod:`.coding` (the code constructions), :mod:`.ngram` (n-gram counting, word
models, arithmetic coding), :mod:`.text` (the bundled English text, user files),
:mod:`.common`. Configs live in :mod:`engines.information.configs`.
"""
from engines.information.configs import (BlocksConfig, CodesConfig, ContinuousConfig,
                                         SourceConfig, TextConfig)
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("source", "Entropy of a source", SourceConfig,
             "engines.information.source:SourceEngine",
             summary="H = −Σ p log₂ p of an editable distribution, joint and mixed sources"),
    DemoSpec("codes", "Fano, Shannon and Huffman codes", CodesConfig,
             "engines.information.codes:CodesEngine",
             summary="Prefix codes built step by step; ⟨L⟩ between H and H + 1"),
    DemoSpec("blocks", "Coding blocks of symbols", BlocksConfig,
             "engines.information.blocks:BlocksEngine",
             summary="Huffman codes of n-symbol blocks approach H = 0.722 bits"),
    DemoSpec("text", "Models of English", TextConfig,
             "engines.information.text_models:TextEngine",
             summary="Letter and word n-grams: Shannon's approximations and bits per character"),
    DemoSpec("continuous", "Differential entropy", ContinuousConfig,
             "engines.information.continuous:ContinuousEngine",
             summary="H_discrete ≈ −log ε + h and h(Y) = h(X) + ⟨log|f'|⟩"),
)

TOPIC = Topic("information", "Compression, information, entropy", "4", DEMOS,
              "panels.information.panel:InformationPanel")
