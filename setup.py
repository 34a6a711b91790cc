"""Build of urai's compiled kernels (``urai._core``); everything else is in pyproject.toml.

The extension is optional: where no C compiler is available the install still succeeds and
urai runs on its pure-Python/numpy reference implementation (slower, same results;
``urai resources`` says which one is in use).
"""

from glob import glob

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "urai._core",
            sources=sorted(glob("csrc/*.c")),
            include_dirs=["csrc"],
            depends=sorted(glob("csrc/*.h")),
            extra_compile_args=["-O3", "-std=c11", "-fno-strict-aliasing", "-ffp-contract=off"],
            optional=True,
        )
    ]
)
