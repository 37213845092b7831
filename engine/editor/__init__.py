"""Layer 10, editor: what an author's editor asks of Chronicle — the scenario index (where every scene, goto,
variable and citation stands in the text), the cursor's context, and the language server over stdio.

May import: every layer below (base … play); pygls only here.
"""
