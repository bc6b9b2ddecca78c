"""What a person configured for Streamlit, read the way ``streamlit run`` reads it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

from streamlit.config import get_config_options
from streamlit.config_option import ConfigOption


def set_by_person(names: Iterable[str], flags: Mapping[str, object]) -> set[str]:
    """The options among ``names`` set by a flag in ``flags``, a ``STREAMLIT_*`` variable or a config file.

    Config files are those ``streamlit run`` reads from this working folder: the global
    ``~/.streamlit/config.toml`` and the project's ``.streamlit/config.toml``.
    """
    parsed = get_config_options(force_reparse=True)
    return {
        name
        for name in names
        if name in flags
        or parsed[name].env_var in os.environ
        or parsed[name].where_defined != ConfigOption.DEFAULT_DEFINITION
    }


def effective_value(name: str, flags: Mapping[str, Sequence[str]]) -> object:
    """The value ``streamlit run`` will use for the single-valued option ``name``.

    Its precedence: the last flag in ``flags``, else the ``STREAMLIT_*`` variable, else the config
    files, else Streamlit's default.
    """
    if flags.get(name):
        return flags[name][-1]
    option = get_config_options(force_reparse=True)[name]
    if option.env_var in os.environ:
        return os.environ[option.env_var]
    return option.value
