"""The duty-free EV import quota: periods, requests, allocation, certificates, resale rule."""
