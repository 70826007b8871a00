"""Ecuador's SRI electronic invoices: comprobantes that are legal only once the SRI authorises them.

The flow for one invoice (each step its own module, lower ones never importing higher ones):

``settings``  the ``[sri]`` section of the config (ambiente, .p12, RUC, addresses, codes);
``clave``     the 49-digit clave de acceso (módulo 11) and the issue date in Ecuador;
``xml``       the ``factura`` 2.1.0 and ``notaCredito`` 1.1.0 documents, built from an Invoice;
``sign``      the XAdES-BES enveloped signature SRI's validator accepts (RSA-SHA1, C14N 1.0);
``client``    SRI's SOAP reception and authorisation services (plain HTTP, timeouts);
``state``     each document's SRI state in the registry and the resumable queue;
``ride``      the RIDE PDF (printed representation), only for an authorised document.

In: a numbered :class:`~massinvoice.invoice.document.Invoice` and the seller's settings.
Out: signed XML (stored byte for byte as sent), the SRI's answer, and the RIDE after AUTORIZADO.
Refuses: settings SRI would reject (a RUC that is not 13 digits, a password in the config file,
an incoterm or country code outside SRI's forms) with a problem naming the key.
"""
