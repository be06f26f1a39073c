"! <p class="shorttext synchronized">Tandem: the one-order API as the task service uses it</p>
"! Everything ZTANDEM_TASK_SRV needs from SAP behind one small interface, so that the service's rules
"! (ZCL_TANDEM_TASK_SERVICE) run in ABAP Unit with a test double, in SAP and in Node. The SAP
"! implementation is ZCL_TANDEM_TASK_CRM_GATEWAY (CRM_ORDER_READ, CRM_ORDER_MAINTAIN, CRM_ORDER_SAVE,
"! CRM_ORDER_DELETE). GUIDs are RAW 16; images and requests are ZCL_TANDEM_TASK_MAP's structures.
INTERFACE zif_tandem_task_gateway PUBLIC.

  TYPES ty_guids TYPE STANDARD TABLE OF zcl_tandem_task_map=>ty_guid WITH DEFAULT KEY.
  TYPES ty_orders TYPE STANDARD TABLE OF zcl_tandem_task_map=>ty_order WITH DEFAULT KEY.
  TYPES ty_partner_functions TYPE STANDARD TABLE OF zcl_tandem_task_map=>ty_partner-partner_function WITH DEFAULT KEY.

  "! The tasks (BUS2000125) among the GUIDs, as one-order images; unknown GUIDs and other objects are left out
  METHODS read
    IMPORTING
      it_guids         TYPE ty_guids
    RETURNING
      VALUE(rt_orders) TYPE ty_orders
    RAISING
      zcx_tandem_task.

  "! Tasks whose external reference (Tandem's idempotency marker) is one of the given values
  METHODS find_by_reference
    IMPORTING
      it_references   TYPE zcl_tandem_task_map=>ty_names
    RETURNING
      VALUE(rt_guids) TYPE ty_guids
    RAISING
      zcx_tandem_task.

  "! Tasks changed at or after the time stamp (UTC)
  METHODS find_changed_since
    IMPORTING
      iv_since        TYPE zcl_tandem_task_map=>ty_timestamp
    RETURNING
      VALUE(rt_guids) TYPE ty_guids
    RAISING
      zcx_tandem_task.

  "! The first iv_count tasks by change time (then GUID): a small unfiltered list, e.g. the S/4 Test's $top=1
  METHODS first_tasks
    IMPORTING
      iv_count        TYPE i
    RETURNING
      VALUE(rt_guids) TYPE ty_guids
    RAISING
      zcx_tandem_task.

  "! Tasks in which the business partner (as shown, e.g. 10100001) has one of the partner functions
  METHODS find_by_partner
    IMPORTING
      iv_partner      TYPE csequence
      it_functions    TYPE ty_partner_functions
    RETURNING
      VALUE(rt_guids) TYPE ty_guids
    RAISING
      zcx_tandem_task.

  "! User status profile of a process type (CRMC_PROC_TYPE-USER_STAT_PROC), e.g. CRMACTIV
  METHODS status_profile
    IMPORTING
      iv_process_type   TYPE csequence
    RETURNING
      VALUE(rv_profile) TYPE string
    RAISING
      zcx_tandem_task.

  "! Creates (iv_guid initial) or changes a task in the one-order buffer; nothing is saved yet.
  "! Returns the task's GUID (the new one on create).
  METHODS maintain
    IMPORTING
      iv_guid               TYPE zcl_tandem_task_map=>ty_guid
      is_maintain           TYPE zcl_tandem_task_map=>ty_maintain
      iv_external_reference TYPE csequence OPTIONAL
    RETURNING
      VALUE(rv_guid)        TYPE zcl_tandem_task_map=>ty_guid
    RAISING
      zcx_tandem_task.

  "! Marks a task for deletion (saved with the others)
  METHODS delete
    IMPORTING
      iv_guid TYPE zcl_tandem_task_map=>ty_guid
    RAISING
      zcx_tandem_task.

  "! Saves the maintained tasks and commits (one LUW); on any error rolls back and discards the buffer
  METHODS save
    IMPORTING
      it_guids TYPE ty_guids
    RAISING
      zcx_tandem_task.

  "! Discards what was maintained and not saved (a failed changeset)
  METHODS discard.

ENDINTERFACE.
