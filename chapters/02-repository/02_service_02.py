"""The service layer: how the application uses the domain and stores it."""
