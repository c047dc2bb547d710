"""The PHAV environments, one module each: Stadium, Lake, Urban, GreenCity, Middle, House."""
