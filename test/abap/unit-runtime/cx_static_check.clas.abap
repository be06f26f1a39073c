"! Test support for running ABAP Unit in Node only (not part of the abapGit package): the superclass of
"! checked exceptions, so that the package's own exception classes transpile. In SAP the standard class is used.
CLASS cx_static_check DEFINITION PUBLIC ABSTRACT INHERITING FROM cx_root CREATE PUBLIC.
ENDCLASS.

CLASS cx_static_check IMPLEMENTATION.
ENDCLASS.
