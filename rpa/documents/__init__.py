"""Reading supporting documents shared by bots: bank statements, PDF, Excel."""
