"""MathDash dashboard: navigation, page config and the shared dataset sidebar.

Run with ``streamlit run app.py``. Every page is a thin view over the ``mathdash`` package.
"""

import streamlit as st

from ui.data import dataset_sidebar

st.set_page_config(page_title="MathDash", page_icon="🧮", layout="wide")

PAGES = [
    st.Page("pages/dataset.py", title="Dataset", icon=":material/dataset:", default=True),
    st.Page("pages/augment.py", title="Augment", icon=":material/auto_awesome:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/tune.py", title="Tune", icon=":material/manage_search:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/bar_chart:"),
    st.Page("pages/draw.py", title="Draw", icon=":material/draw:"),
]

navigation = st.navigation(PAGES)
dataset_sidebar()
navigation.run()
