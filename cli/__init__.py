"""The scripting face: `crm NOUN VERB`, one module per noun."""
