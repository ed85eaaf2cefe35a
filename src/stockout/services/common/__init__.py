"""What every use case needs: the clock port and the transaction runner."""
