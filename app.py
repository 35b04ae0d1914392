"""MathDash dashboard: navigation, page config and the shared dataset sidebar.

Run with ``streamlit run app.py``. Every page is a thin view over the ``mathdash`` package.
"""

import streamlit as st

from ui.data import dataset_sidebar

st.set_page_config(page_title="MathDash", page_icon="∑", layout="wide")

PAGES = [
    st.Page("pages/dataset.py", title="Dataset", icon="🗂️", default=True),
    st.Page("pages/augment.py", title="Augment", icon="🌀"),
    st.Page("pages/train.py", title="Train", icon="🏋️"),
    st.Page("pages/tune.py", title="Tune", icon="🔎"),
    st.Page("pages/compare.py", title="Compare", icon="📊"),
    st.Page("pages/draw.py", title="Draw", icon="✏️"),
]

navigation = st.navigation(PAGES)
dataset_sidebar()
navigation.run()
