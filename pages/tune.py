"""tune page: being built."""

import streamlit as st

st.title("Tune")
st.info("This page is being built.")
