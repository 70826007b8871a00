"""Ecuador's SRI electronic invoices: comprobantes that are legal only once the SRI authorises them.

The flow for one invoice (each step its own module, lower ones never importing higher ones):

``settings``     the ``[sri]`` section of the config (ambiente, .p12, RUC, addresses, codes);
``clave``        the 49-digit clave de acceso (módulo 11) and the issue date in Ecuador;
``comprobante``  the ``factura`` 2.1.0 built from an Invoice, and SRI's rules beyond its XSD;
``nota``         the ``notaCredito`` 1.1.0 correcting an authorised factura;
``p12``          the digital-signature key and certificate of a .p12 (which may hold several);
``sign``         the XAdES-BES enveloped signature SRI's validator accepts (RSA-SHA1, C14N 1.0);
``client``       SRI's SOAP reception and authorisation services, and what their answers mean;
``state``        each document's clave and SRI state in the registry; credit notes; annulments;
``queue``        the resumable queue that sends, asks and parks;
``barcode``      Code 128 as SVG; ``ride``: the RIDE PDF, only for an authorised document;
``flow``         the SRI step of an invoice run and of ``massinvoice sri``.

In: a numbered :class:`~massinvoice.invoice.document.Invoice` and the seller's settings.
Out: signed XML (stored byte for byte as sent), the SRI's answer, and the RIDE after AUTORIZADO.
Refuses: settings SRI would reject (a RUC that is not 13 digits, a password in the config file,
an incoterm or country code outside SRI's forms) with a problem naming the key.
"""
