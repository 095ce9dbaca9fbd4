"""fenji（分级）：基层党组织分类定级与星级评定的批量处理工具。

The library is the product; ``fenji.cli`` is a thin wrapper around :mod:`fenji.api`.
"""

__version__ = "0.1.0"
