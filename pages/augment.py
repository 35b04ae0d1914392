"""augment page: being built."""

import streamlit as st

st.title("Augment")
st.info("This page is being built.")
