"! For abaplint only (not part of the abapGit package): SAP's superclass of checked exceptions, declared
"! so that ZCX_TANDEM_TASK is syntax-checked. In SAP the standard class is used.
CLASS cx_static_check DEFINITION PUBLIC ABSTRACT INHERITING FROM cx_root CREATE PUBLIC.
ENDCLASS.

CLASS cx_static_check IMPLEMENTATION.
ENDCLASS.
