"""The one request pipeline, its route table and its fault rules."""
